build/sidecar-slurm/sconf.o: sidecar-slurm/sconf.c sidecar-slurm/sconf.h \
 common/conf.h
sidecar-slurm/sconf.h:
common/conf.h:
