import sys

from checks.cli import main

rc = main()
# CPython (3.8 on) remembers a KeyboardInterrupt that escaped code run by exec or eval of a *string*
# (dataclasses and namedtuple build their methods that way, so Ctrl-C during an import often lands
# there) and, under ``python -m``, ends the process by SIGINT at exit even though ``main`` caught the
# interrupt and returned 130. Running one more string resets that flag: the exit status is ``rc``.
exec("pass")
sys.exit(rc)
