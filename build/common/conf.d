build/common/conf.o: common/conf.c common/conf.h common/log.h \
 common/text.h common/yamljson.h
common/conf.h:
common/log.h:
common/text.h:
common/yamljson.h:
