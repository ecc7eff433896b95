"""Started by net_no_deadlock_while_an_fd_is_armed.py: after 0.3 s writes
b'late' to the socket whose fd is argv[1] (inherited), then closes it."""
import os, sys, time, socket
time.sleep(0.3)
s = socket.socket(fileno=int(sys.argv[1]))
s.send(b'late')
s.close()
