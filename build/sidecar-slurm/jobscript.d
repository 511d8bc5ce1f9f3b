build/sidecar-slurm/jobscript.o: sidecar-slurm/jobscript.c \
 sidecar-slurm/jobscript.h common/buf.h proto/wire.h common/text.h
sidecar-slurm/jobscript.h:
common/buf.h:
proto/wire.h:
common/text.h:
