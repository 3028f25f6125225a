"""Shipped model profiles (JSON), read by ``detectors.profiles.load_profile``."""
