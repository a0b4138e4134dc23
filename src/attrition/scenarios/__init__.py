"""attrition.scenarios"""
