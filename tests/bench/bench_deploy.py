"""stub"""


def run(ctx) -> None:
    raise NotImplementedError
