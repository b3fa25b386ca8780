"""The kernel: errors, settings, the data model's fixed words, money, dates and input checks. Imports nothing else of crmcli."""
