build/sidecar-slurm/podstore.o: sidecar-slurm/podstore.c \
 sidecar-slurm/podstore.h proto/ilk_plugin.h common/fsutil.h common/log.h \
 common/text.h
sidecar-slurm/podstore.h:
proto/ilk_plugin.h:
common/fsutil.h:
common/log.h:
common/text.h:
