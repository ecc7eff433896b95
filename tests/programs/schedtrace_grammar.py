"""Run by tests/test_schedtrace.py::test_grammar_matches_a_real_go_program
in a subprocess; that test checks its output."""
import gmp
c = gmp.chan()
for _ in range(3):
    gmp.go(c.recv)
gmp.sleep(0.35)
