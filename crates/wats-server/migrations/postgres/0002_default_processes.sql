-- The default process list: the codes WATS installations and pyWATS use
-- (test 10 "SW Debug", 50 "PCBA test", 90 "Burn In test", default test 100, repair 500, RMA 510).
INSERT INTO processes (code, process_id, name, description, is_test_operation, is_repair_operation, is_wip_operation, process_index, state) VALUES
 (10,  '7c1c2b0e-0010-4a57-9a0b-000000000010', 'SW Debug', 'Software debugging and development runs', 1, 0, 0, 1, 1),
 (20,  '7c1c2b0e-0010-4a57-9a0b-000000000020', 'ICT', 'In-circuit test', 1, 0, 0, 2, 1),
 (30,  '7c1c2b0e-0010-4a57-9a0b-000000000030', 'Flying probe', 'Flying probe test', 1, 0, 0, 3, 1),
 (40,  '7c1c2b0e-0010-4a57-9a0b-000000000040', 'AOI', 'Automated optical inspection', 1, 0, 0, 4, 1),
 (50,  '7c1c2b0e-0010-4a57-9a0b-000000000050', 'PCBA test', 'Functional test of the assembled board', 1, 0, 0, 5, 1),
 (60,  '7c1c2b0e-0010-4a57-9a0b-000000000060', 'Calibration', 'Calibration', 1, 0, 0, 6, 1),
 (70,  '7c1c2b0e-0010-4a57-9a0b-000000000070', 'Box build test', 'Test of the assembled product', 1, 0, 0, 7, 1),
 (80,  '7c1c2b0e-0010-4a57-9a0b-000000000080', 'Final test', 'Final functional test', 1, 0, 0, 8, 1),
 (90,  '7c1c2b0e-0010-4a57-9a0b-000000000090', 'Burn In test', 'Burn-in / environmental stress test', 1, 0, 0, 9, 1),
 (100, '7c1c2b0e-0010-4a57-9a0b-000000000100', 'Test', 'General test operation (default)', 1, 0, 0, 10, 1),
 (200, '7c1c2b0e-0010-4a57-9a0b-000000000200', 'Assembly', 'Assembly (work in progress)', 0, 0, 1, 20, 1),
 (300, '7c1c2b0e-0010-4a57-9a0b-000000000300', 'Packing', 'Packing (work in progress)', 0, 0, 1, 30, 1),
 (500, '7c1c2b0e-0010-4a57-9a0b-000000000500', 'Repair', 'Repair (default repair operation)', 0, 1, 0, 50, 1),
 (510, '7c1c2b0e-0010-4a57-9a0b-000000000510', 'RMA repair', 'Repair of returned units', 0, 1, 0, 51, 1);
