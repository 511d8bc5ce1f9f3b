build/sidecar-slurm/main.o: sidecar-slurm/main.c \
 sidecar-slurm/backend_slurm.h proto/ilk_plugin.h common/httpd.h \
 common/log.h sidecar-slurm/sidecar.h sidecar-slurm/jobscript.h \
 common/buf.h proto/wire.h sidecar-slurm/podstore.h \
 sidecar-slurm/poller.h sidecar-slurm/sconf.h common/conf.h common/text.h
sidecar-slurm/backend_slurm.h:
proto/ilk_plugin.h:
common/httpd.h:
common/log.h:
sidecar-slurm/sidecar.h:
sidecar-slurm/jobscript.h:
common/buf.h:
proto/wire.h:
sidecar-slurm/podstore.h:
sidecar-slurm/poller.h:
sidecar-slurm/sconf.h:
common/conf.h:
common/text.h:
