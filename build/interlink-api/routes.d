build/interlink-api/routes.o: interlink-api/routes.c \
 interlink-api/gateway.h interlink-api/gconf.h common/conf.h \
 common/httpd.h interlink-api/upstream.h common/buf.h common/log.h \
 common/text.h interlink-api/transform.h proto/wire.h
interlink-api/gateway.h:
interlink-api/gconf.h:
common/conf.h:
common/httpd.h:
interlink-api/upstream.h:
common/buf.h:
common/log.h:
common/text.h:
interlink-api/transform.h:
proto/wire.h:
