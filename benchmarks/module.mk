# Benchmarks of enos itself; figures are printed and stored in the results database.
bench-scale: deps all bin/enos
	./benchmarks/bench-scale.sh

.PHONY: bench-scale
