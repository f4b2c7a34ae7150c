"""Storefront adapters: Shopify and WooCommerce webhooks in, REST calls out.

``common`` holds the normalised order the rest of the system consumes and the signature check;
``shopify`` and ``woocommerce`` parse each platform's webhooks and call its API; ``transport``
says what a failed call means to the outbox.
"""
