"""Put a lesson's code cells back after the search plugin has indexed its prose.

lesson_html.py hands the search plugin a lesson without its code cells (see its on_page_context);
this hook runs after the search plugin and restores the full page before it is rendered. MkDocs
lets a hook file handle each event once, hence a second file.
"""

from mkdocs.plugins import event_priority


@event_priority(-10)  # after the search plugin (priority 0)
def on_page_context(context, page, config, nav):
    full = getattr(page, "full_content", None)
    if full is not None:
        page.content = full
        del page.full_content
    return context
