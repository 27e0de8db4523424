from dentalpin_import.reader.batches import batched


def test_batches_keep_order_and_the_last_one_holds_the_rest():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([1, 2, 3, 4], 2)) == [[1, 2], [3, 4]]


def test_any_iterable_is_read_once_and_nothing_gives_no_batch():
    assert list(batched((n * n for n in range(3)), 5)) == [[0, 1, 4]]
    assert list(batched({}.values(), 10)) == []
