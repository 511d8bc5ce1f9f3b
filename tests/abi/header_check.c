/*
 * tests/abi/header_check.c - the public header alone must compile as plain
 * C99 (-pedantic) and as C++, and a backend written against it needs
 * nothing else.  Built by tests/integration/0003-abi.sh.
 */
#include "ilk_plugin.h"

static int demo_init(const struct ilk_host *host, void **ret_state,
		     char *err, size_t errlen)
{
	(void)host;
	(void)err;
	(void)errlen;
	*ret_state = 0;
	return ILK_OK;
}

static const struct ilk_backend_ops demo_ops = {
	ILK_PLUGIN_ABI_MAJOR, ILK_PLUGIN_ABI_MINOR,
	sizeof(struct ilk_backend_ops), "backend/demo", 0,
	demo_init, 0, 0, 0, 0, 0, 0, 0,
};

#ifdef __cplusplus
extern "C"
#endif
ILK_PLUGIN_EXPORT const struct ilk_backend_ops *
ilk_plugin_entry_v1(uint32_t major, uint32_t minor, const struct ilk_host *h)
{
	(void)minor;
	(void)h;
	return major == ILK_PLUGIN_ABI_MAJOR ? &demo_ops : 0;
}

int main(void)
{
	const struct ilk_backend_ops *ops =
		ilk_plugin_entry_v1(ILK_PLUGIN_ABI_MAJOR, 0, 0);
	void *state;

	if (!ops || ops->init(0, &state, 0, 0) != ILK_OK)
		return 1;
	return ILK_AT_LEAST_VERSION(0, 1, 0) ? 0 : 1;
}
