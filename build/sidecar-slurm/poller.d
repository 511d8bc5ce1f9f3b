build/sidecar-slurm/poller.o: sidecar-slurm/poller.c \
 sidecar-slurm/poller.h proto/ilk_plugin.h common/log.h
sidecar-slurm/poller.h:
proto/ilk_plugin.h:
common/log.h:
