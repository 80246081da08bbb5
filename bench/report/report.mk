# Benchmark report (bench/report/): one markdown page with tables and SVG plots
# (gnuplot) from the benchmarks' CSVs.
#   make bench-report                    uses the CSVs in build/bench that exist
#   make bench-report BENCH_REPORT_RUN=1 first runs the benchmarks whose CSVs
#                                        are missing (bench-startup, bench-memcached, bench-icount)
# Variables: REPORT_IN (the CSVs, default build/bench), REPORT_OUT (default
# REPORT_IN/report). The page is REPORT_OUT/report.md. The benchmarks always
# write build/bench, so BENCH_REPORT_RUN=1 only helps with the default REPORT_IN.
REPORT_IN        ?= $(BUILD)/bench
REPORT_OUT       ?= $(REPORT_IN)/report
BENCH_REPORT_RUN ?= 0

.PHONY: bench-report
bench-report: deps
ifeq ($(BENCH_REPORT_RUN),1)
	@for t in $$(python3 bench/report/report.py --in "$(REPORT_IN)" --missing-targets); do \
	    echo "bench-report: a CSV is missing, running make $$t"; \
	    $(MAKE) --no-print-directory $$t || echo "bench-report: make $$t failed; its figures are left out"; \
	done
endif
	@python3 bench/report/report.py --in "$(REPORT_IN)" --out "$(REPORT_OUT)"
