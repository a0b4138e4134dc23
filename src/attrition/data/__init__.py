"""attrition.data"""
