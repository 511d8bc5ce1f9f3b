build/common/fsutil.o: common/fsutil.c common/fsutil.h
common/fsutil.h:
