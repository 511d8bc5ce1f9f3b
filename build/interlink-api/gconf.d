build/interlink-api/gconf.o: interlink-api/gconf.c interlink-api/gconf.h \
 common/conf.h
interlink-api/gconf.h:
common/conf.h:
