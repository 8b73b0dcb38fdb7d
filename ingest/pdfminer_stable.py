"""pdfminer.six layout analysis made deterministic: the same PDF gives the same reading order in every process.

Why: pdfminer's `LTLayoutContainer.group_textboxes` (the `boxes_flow` reading order) merges the closest pair of text
boxes first, keeping candidate pairs in a heap of `(skip, distance, id(box1), id(box2), box1, box2)`. When two pairs
are equally close (common in reference lists and tables: a lone word such as "a" or "via" between lines),
`id()`, a memory address, decides which pair merges first, so the box hierarchy, and with it the order of the
text, changes from one process to the next (HistoryOfAlexnet.pdf: pages 34, 36 and 38 came out three ways in three
runs, even with PYTHONHASHSEED=0). Here the tie is broken by creation order instead (the boxes in pdfminer's own
order, then each group as it is formed); every other step is pdfminer's, and pages without such ties read exactly as
before.

`extract_pages(data, laparams)` is `pdfminer.high_level.extract_pages` with page and figure containers whose
`group_textboxes` breaks ties that way. The grouping code below follows pdfminer.six's (MIT licence).
"""

from __future__ import annotations

import functools
import heapq
import io
from collections.abc import Iterator, Sequence


def _stable_group_textboxes(self, laparams, boxes: Sequence) -> list:
    """`LTLayoutContainer.group_textboxes` with ties between equally close pairs broken by creation order."""
    from pdfminer.layout import LTTextBoxVertical, LTTextGroupLRTB, LTTextGroupTBRL
    from pdfminer.utils import Plane

    plane = Plane(self.bbox)
    serial: dict[int, int] = {id(box): i for i, box in enumerate(boxes)}  # id -> creation order (objects stay alive)

    def dist(obj1, obj2) -> float:
        """Area of the bounding rectangle of both, less their own areas (may be negative)."""
        x0, y0 = min(obj1.x0, obj2.x0), min(obj1.y0, obj2.y0)
        x1, y1 = max(obj1.x1, obj2.x1), max(obj1.y1, obj2.y1)
        return (x1 - x0) * (y1 - y0) - obj1.width * obj1.height - obj2.width * obj2.height

    def isany(obj1, obj2) -> bool:
        """Whether any other object lies in the bounding rectangle of both."""
        x0, y0 = min(obj1.x0, obj2.x0), min(obj1.y0, obj2.y0)
        x1, y1 = max(obj1.x1, obj2.x1), max(obj1.y1, obj2.y1)
        return any(o is not obj1 and o is not obj2 for o in plane.find((x0, y0, x1, y1)))

    dists = [(False, dist(boxes[i], boxes[j]), i, j, boxes[i], boxes[j])
             for i in range(len(boxes)) for j in range(i + 1, len(boxes))]
    heapq.heapify(dists)
    plane.extend(boxes)
    done: set[int] = set()
    while dists:
        skip_isany, d, s1, s2, obj1, obj2 = heapq.heappop(dists)
        if s1 in done or s2 in done:
            continue
        if not skip_isany and isany(obj1, obj2):
            heapq.heappush(dists, (True, d, s1, s2, obj1, obj2))
            continue
        vertical = (LTTextBoxVertical, LTTextGroupTBRL)
        if isinstance(obj1, vertical) or isinstance(obj2, vertical):
            group = LTTextGroupTBRL([obj1, obj2])
        else:
            group = LTTextGroupLRTB([obj1, obj2])
        plane.remove(obj1)
        plane.remove(obj2)
        done.update((s1, s2))
        s = serial[id(group)] = len(serial)
        for other in plane:
            heapq.heappush(dists, (False, dist(group, other), s, serial[id(other)], group, other))
        plane.add(group)
    return list(plane)


@functools.cache
def _classes():
    """The page and figure containers and the aggregator that builds them (imported lazily: pdfminer is slow to
    import)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTFigure, LTPage
    from pdfminer.utils import apply_matrix_rect, mult_matrix

    class StablePage(LTPage):
        group_textboxes = _stable_group_textboxes

    class StableFigure(LTFigure):
        group_textboxes = _stable_group_textboxes

    class StableAggregator(PDFPageAggregator):
        def begin_page(self, page, ctm) -> None:
            x0, y0, x1, y1 = apply_matrix_rect(ctm, page.mediabox)
            self.cur_item = StablePage(self.pageno, (0, 0, abs(x0 - x1), abs(y0 - y1)))

        def begin_figure(self, name, bbox, matrix) -> None:
            self._stack.append(self.cur_item)
            self.cur_item = StableFigure(name, bbox, mult_matrix(matrix, self.ctm))

    return StableAggregator


def extract_pages(data: bytes, laparams) -> Iterator:
    """The pages of the PDF in `data` as pdfminer `LTPage` layouts (one per page, in order), analysed with
    `laparams` (a `pdfminer.layout.LAParams`) so that the result does not depend on the process. Raises what
    pdfminer raises for a file it cannot parse."""
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    resources = PDFResourceManager(caching=True)
    device = _classes()(resources, laparams=laparams)
    interpreter = PDFPageInterpreter(resources, device)
    for page in PDFPage.get_pages(io.BytesIO(data), caching=True):
        interpreter.process_page(page)
        yield device.get_result()
