"""attrition: the contested record of an attritional battle, turned into numbers people trust."""

__version__ = "0.1.0"
