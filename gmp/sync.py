"""gmp.sync: Go's sync package. Blocking parks only the calling goroutine
(a plain thread blocks on an OS semaphore with the GIL released)."""
from gmp._chan import (
    WaitGroup as WaitGroup,
    Mutex as Mutex,
    RWMutex as RWMutex,
    Once as Once,
    Cond as Cond,
)

__all__ = ["WaitGroup", "Mutex", "RWMutex", "Once", "Cond"]
