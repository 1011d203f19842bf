//! External converters: any program that reads the file and prints WSJF (not implemented yet).
