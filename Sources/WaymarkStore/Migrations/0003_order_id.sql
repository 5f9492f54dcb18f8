-- 0003: the order a purchase line belongs to.
--
-- Lines of one order are one purchase occasion (lifetime value, gaps, stages); without an
-- order_id, the purchases of one client at one timestamp are. Nullable, no foreign key (there
-- is no orders table), and purchases keep client_id leading their key (Citus).

ALTER TABLE purchases ADD COLUMN order_id text;
