build/sidecar-slurm/routes.o: sidecar-slurm/routes.c \
 sidecar-slurm/sidecar.h common/httpd.h proto/ilk_plugin.h \
 sidecar-slurm/jobscript.h common/buf.h proto/wire.h \
 sidecar-slurm/podstore.h sidecar-slurm/poller.h sidecar-slurm/sconf.h \
 common/conf.h common/fsutil.h common/log.h sidecar-slurm/logs.h \
 common/text.h
sidecar-slurm/sidecar.h:
common/httpd.h:
proto/ilk_plugin.h:
sidecar-slurm/jobscript.h:
common/buf.h:
proto/wire.h:
sidecar-slurm/podstore.h:
sidecar-slurm/poller.h:
sidecar-slurm/sconf.h:
common/conf.h:
common/fsutil.h:
common/log.h:
sidecar-slurm/logs.h:
common/text.h:
