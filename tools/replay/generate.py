def generate(out):
    return []
