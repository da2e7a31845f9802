from invoice.totals import Line, invoice_total

__all__ = ["Line", "invoice_total"]
