"""List the examples: ``python -m ember.examples``."""
import ast
from pathlib import Path


def main():
    print("ember examples; run one with python -m ember.examples.<name> (--help for its flags):")
    for path in sorted(Path(__file__).parent.glob("[a-z]*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = " ".join(doc.split("\n\n")[0].split())
        print(f"  {path.stem:<16} {summary}")


if __name__ == "__main__":
    main()
