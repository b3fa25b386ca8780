"""The analytical CRM: customer value, segments, loyalty, baskets and channels.

Reports read the store with aggregate SQL and return plain records; the model fits
(numpy, scipy) are imported only by the reports that fit. See ARCHITECTURE.md, "Analytics".
"""
