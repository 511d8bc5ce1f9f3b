/*
 * interlink-api/ilctl_completion.c - ilctl completion bash: a completion
 * script for bash (source <(ilctl completion bash), or install it as
 * /usr/share/bash-completion/completions/ilctl).  Pod names come from
 * `ilctl get pods -o name` with the namespace and state folder typed so
 * far; nothing is sent to a gateway beyond that one batched status call.
 */
#include "ilctl.h"

#include <stdio.h>
#include <string.h>

static const char bash_script[] =
	"# bash completion for ilctl (ilctl completion bash)\n"
	"_ilctl() {\n"
	"\tlocal cur prev cmd i w globals\n"
	"\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	"\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\tglobals='--url --cert --key --cacert --token-file --state-dir "
	"--namespace -n --timeout --verbose -v --help -h --version --context'\n"
	"\tcmd='' pass=()\n"
	"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tcase $w in\n"
	"\t\t--url|--cert|--key|--cacert|--token-file|--state-dir|"
	"--namespace|-n|--timeout)\n"
	"\t\t\tpass+=(\"$w\" \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
	"\t\t-*) ;;\n"
	"\t\t*) [[ -z $cmd ]] && cmd=$w ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\tcase $prev in\n"
	"\t--cert|--key|--cacert|--token-file|-f|--filename)\n"
	"\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	"\t--state-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
	"\t-o|--output)\n"
	"\t\tCOMPREPLY=($(compgen -W 'wide json yaml name' -- \"$cur\"));"
	" return ;;\n"
	"\t--for) COMPREPLY=($(compgen -W 'running terminated' -- \"$cur\"));"
	" return ;;\n"
	"\t--url|--namespace|-n|--timeout|--tail|--limit-bytes|--since|"
	"--since-time|--interval|-c|--container) return ;;\n"
	"\tesac\n"
	"\tif [[ -z $cmd ]]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"create status wait logs delete ping "
	"list get describe config completion $globals\" -- \"$cur\"))\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tlocal opts=''\n"
	"\tcase $cmd in\n"
	"\tcreate) opts='-f --filename --force' ;;\n"
	"\tstatus) opts='-o --output' ;;\n"
	"\twait) opts='--for --timeout --interval' ;;\n"
	"\tlogs) opts='-c --container -f --follow --tail --limit-bytes "
	"--since --since-time --timestamps --previous --init' ;;\n"
	"\tdelete) opts='--force' ;;\n"
	"\tget) opts='-o --output -A --all-namespaces' ;;\n"
	"\tcompletion) COMPREPLY=($(compgen -W bash -- \"$cur\")); return ;;\n"
	"\tconfig) COMPREPLY=($(compgen -W 'use-context current-context "
	"get-contexts' -- \"$cur\")); return ;;\n"
	"\tesac\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tCOMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcase $cmd in\n"
	"\tget|describe)\n"
	"\t\tif [[ $prev == get || $prev == describe ]]; then\n"
	"\t\t\tCOMPREPLY=($(compgen -W 'pods pod' -- \"$cur\")); return\n"
	"\t\tfi ;;\n"
	"\tcreate|ping|list) return ;;\n"
	"\tesac\n"
	"\tlocal names\n"
	"\tnames=$(ilctl \"${pass[@]}\" get pods -o name 2>/dev/null |"
	" sed 's|^pod/||')\n"
	"\tCOMPREPLY=($(compgen -W \"$names\" -- \"$cur\"))\n"
	"}\n"
	"complete -F _ilctl ilctl\n";

int ilctl_cmd_completion(struct ilctl_opts *o, int argc, char **argv)
{
	const char *shell;
	int r;

	r = ilctl_parse_args(o, argc, argv, NULL, NULL, NULL, &shell, 1, 1);
	if (r)
		return r;
	if (strcmp(shell, "bash") != 0)
		return ilctl_usage_error("completion", "only bash is "
						       "supported, not '%s'",
					 shell);
	(void)fputs(bash_script, stdout);
	return ILCTL_OK;
}
