DROP TABLE item_chain_links;
DROP TABLE item_chain_heads;
