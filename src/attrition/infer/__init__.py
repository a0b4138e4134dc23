"""attrition.infer"""
