build/interlink-api/transform.o: interlink-api/transform.c \
 interlink-api/transform.h
interlink-api/transform.h:
