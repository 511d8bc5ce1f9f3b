build/sidecar-slurm/logs.o: sidecar-slurm/logs.c sidecar-slurm/logs.h \
 common/httpd.h proto/wire.h common/fsutil.h
sidecar-slurm/logs.h:
common/httpd.h:
proto/wire.h:
common/fsutil.h:
