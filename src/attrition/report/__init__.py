"""attrition.report"""
