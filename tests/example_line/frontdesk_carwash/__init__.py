"""Car wash: a Frontdesk business line kept outside the Frontdesk repository's packages.

The README's "Writing a business line" is written from this package.
"""

CODE = "carwash"
NAME = "Car wash"
VERSION = "1.0.0"
