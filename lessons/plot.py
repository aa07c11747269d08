"""One look for every figure on the site.

Figures use matplotlib's bundled DejaVu Sans, so they render the same on every machine with no
missing-glyph boxes; labels are English words or math, and the page around a figure explains it in
the reader's language.
"""

from __future__ import annotations

import matplotlib as mpl

#: Colours that stay distinct for colour-blind readers (Okabe and Ito's palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": True,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the site's figure style (``STYLE``) to matplotlib.

    >>> use_style()
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["font.family"] == ["DejaVu Sans"] and plt.rcParams["axes.grid"]
    True
    """
    mpl.rcParams.update(STYLE)
