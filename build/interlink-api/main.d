build/interlink-api/main.o: interlink-api/main.c interlink-api/gateway.h \
 interlink-api/gconf.h common/conf.h common/httpd.h \
 interlink-api/upstream.h common/buf.h proto/ilk_plugin.h common/log.h \
 common/text.h
interlink-api/gateway.h:
interlink-api/gconf.h:
common/conf.h:
common/httpd.h:
interlink-api/upstream.h:
common/buf.h:
proto/ilk_plugin.h:
common/log.h:
common/text.h:
