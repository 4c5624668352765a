import sys

try:
    from grader.cli import main
except ModuleNotFoundError as error:  # the grader's own dependency (numpy, say), before anything is graded
    from grader.dependencies import MODULES
    if error.name not in MODULES:
        raise
    print(f"grader: error: the grader needs {error.name}, which {sys.executable} cannot import; "
          f"install with: {sys.executable} -m pip install {' '.join(MODULES)}", file=sys.stderr)
    sys.exit(2)  # ExitStatus.USAGE, which this interpreter cannot import

sys.exit(main())
