settings=1
