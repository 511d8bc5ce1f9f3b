build/interlink-api/upstream.o: interlink-api/upstream.c \
 interlink-api/upstream.h common/buf.h interlink-api/gconf.h \
 common/conf.h common/httpd.h common/log.h
interlink-api/upstream.h:
common/buf.h:
interlink-api/gconf.h:
common/conf.h:
common/httpd.h:
common/log.h:
