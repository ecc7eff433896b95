/* gmp_preempt.h: arming asynchronous preemption in another thread.
 *
 * On Python 3.11 and 3.12, sysmon (holding the GIL) installs a C trace
 * function in the thread state of the M whose goroutine has run too long;
 * the function puts back the thread's own trace function, if it had one, at
 * its first event in that thread, hands it that event, and yields.
 * _PyEval_SetTrace takes the target thread state, which PyEval_SetTrace
 * does not. 3.13 no longer exports it: there gmp uses local sys.monitoring
 * events instead (preempt.pxi), and gmp_settrace reports -2.
 *
 * GMP_ARM_FRAME: which events of the innermost frame sysmon also turns on,
 * for the loops a trace function would otherwise never see.
 *   1 (3.11): opcode events. A loop that jumps back to its own instruction
 *     (`while True: pass`) raises no LINE event: the line does not change,
 *     and a jump counts as backward only if it lands on an earlier one.
 *   2 (3.12): line events, where a debugger or profiler turned them off for
 *     that frame (f_trace_lines). 3.12 reports every backward jump, a jump
 *     to itself included, as a LINE event, but only in frames that want
 *     lines; and there, setting f_trace_opcodes even once makes every later
 *     settrace in the process instrument every instruction of every code.
 *   0 (3.13+): no trace functions (sys.monitoring instead).
 */
#ifndef GMP_PREEMPT_H
#define GMP_PREEMPT_H
#include <Python.h>
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030C0000
#define GMP_ARM_FRAME 1
#elif PY_VERSION_HEX < 0x030D0000
#define GMP_ARM_FRAME 2
#else
#define GMP_ARM_FRAME 0
#endif

#if PY_VERSION_HEX >= 0x030D0000
#define GMP_HAVE_SETTRACE 0
static inline int gmp_settrace(void *tstate, Py_tracefunc f, PyObject *obj) {
    (void)tstate; (void)f; (void)obj;
    return -2;
}
static inline Py_tracefunc gmp_gettrace(void *tstate, PyObject **obj) {
    (void)tstate;
    *obj = NULL;
    return NULL;
}
#else
#define GMP_HAVE_SETTRACE 1
static inline int gmp_settrace(void *tstate, Py_tracefunc f, PyObject *obj) {
    return _PyEval_SetTrace((PyThreadState *)tstate, f, obj);
}
/* The thread's trace function (and its object, borrowed), e.g. a debugger's
 * or coverage's: the preemption hook stands in for it and then puts it back. */
static inline Py_tracefunc gmp_gettrace(void *tstate, PyObject **obj) {
    *obj = ((PyThreadState *)tstate)->c_traceobj;
    return ((PyThreadState *)tstate)->c_tracefunc;
}
#endif

#endif
