module interlink-c/tests/upstream

go 1.26
