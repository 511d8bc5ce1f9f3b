build/common/httpd.o: common/httpd.c common/httpd.h common/buf.h \
 common/fsutil.h common/log.h common/text.h
common/httpd.h:
common/buf.h:
common/fsutil.h:
common/log.h:
common/text.h:
