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
 * GMP_ARM_OPCODES: on 3.11 a trace function sees no event from a loop that
 * jumps back to its own instruction (`while True: pass`): the line does not
 * change and the jump is not "backward" to an earlier instruction. sysmon
 * then also turns on opcode events in the innermost frame (preempt.pxi).
 * Not on 3.12, whose trace functions get a LINE event for every backward
 * jump, and where setting f_trace_opcodes once makes every later settrace
 * in the process instrument every instruction.
 */
#ifndef GMP_PREEMPT_H
#define GMP_PREEMPT_H
#include <Python.h>
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030C0000
#define GMP_ARM_OPCODES 1
#else
#define GMP_ARM_OPCODES 0
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
