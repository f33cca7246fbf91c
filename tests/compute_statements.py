"""A small company's three statements as canonical text (the shape loaders write tables in), for the computed
answer tests. Invented figures; no filing's text."""
from __future__ import annotations

from decimal import Decimal

INCOME = """Example Corp
Consolidated Statements of Operations
Years Ended December 31,
(in millions, except per share amounts) | 2021 | 2020 | 2019
Net revenues | $1,200 | $1,000 | $900
Cost of revenues | 700 | 600 | 560
Gross profit | 500 | 400 | 340
Selling, general and administrative | 250 | 220 | 200
Operating income | 250 | 180 | 140
Interest expense | (25) | (20) | (18)
Income before income taxes | 225 | 160 | 122
Provision for income taxes | 45 | 32 | 24
Net income | $180 | $128 | $98
"""
BALANCE = """Example Corp
Consolidated Balance Sheets
(in millions) | December 31, 2021 | December 31, 2020
Cash and cash equivalents | $150 | $120
Short-term investments | 50 | 40
Accounts receivable, net | 200 | 180
Inventories | 160 | 140
Total current assets | 560 | 480
Property and equipment, net | 400 | 380
Total assets | $1,500 | $1,400
Accounts payable | $90 | $70
Short-term borrowings | 40 | 30
Total current liabilities | 300 | 280
Long-term debt | 350 | 360
Total liabilities | 800 | 780
Total stockholders' equity | 700 | 620
Total liabilities and stockholders' equity | $1,500 | $1,400
"""
CASHFLOW = """Example Corp
Consolidated Statements of Cash Flows
Years Ended December 31,
(in millions) | 2021 | 2020 | 2019
Net income | $180 | $128 | $98
Depreciation and amortization | 60 | 55 | 50
Net cash provided by operating activities | 300 | 240 | 200
Purchases of property and equipment | (80) | (70) | (60)
Net cash used in investing activities | (90) | (75) | (65)
Dividends paid | (36) | (30) | (25)
Net cash used in financing activities | (120) | (100) | (80)
"""
TEXT = "Annual report of Example Corp.\n\n" + INCOME + "\n" + BALANCE + "\n" + CASHFLOW

D = Decimal
# the figures above, by line item and year, for the expected values
V = {
    "revenue": {2021: D(1200), 2020: D(1000), 2019: D(900)}, "cogs": {2021: D(700), 2020: D(600), 2019: D(560)},
    "gross_profit": {2021: D(500), 2020: D(400)}, "operating_income": {2021: D(250), 2020: D(180), 2019: D(140)},
    "interest_expense": {2021: D(25)}, "pretax_income": {2021: D(225)}, "income_tax": {2021: D(45)},
    "net_income": {2021: D(180), 2020: D(128), 2019: D(98)}, "cash": {2021: D(150)},
    "short_term_investments": {2021: D(50)}, "receivables": {2021: D(200), 2020: D(180)},
    "inventory": {2021: D(160), 2020: D(140)}, "total_current_assets": {2021: D(560), 2020: D(480)},
    "ppe_net": {2021: D(400), 2020: D(380)}, "total_assets": {2021: D(1500), 2020: D(1400)},
    "payables": {2021: D(90), 2020: D(70)}, "total_current_liabilities": {2021: D(300), 2020: D(280)},
    "long_term_debt": {2021: D(350)}, "short_term_debt": {2021: D(40)}, "equity": {2021: D(700), 2020: D(620)}, "da": {2021: D(60), 2020: D(55)},
    "cfo": {2021: D(300), 2020: D(240)}, "capex": {2021: D(80), 2020: D(70)}, "dividends_paid": {2021: D(36)},
}

SEGMENTS = """Note 12. Segments
Net sales by segment
(in millions) | 2021 | 2020
Americas | $600 | $500
Europe | 400 | 350
Asia Pacific | 200 | 150
Total net sales | $1,200 | $1,000

The Widgets segment designs and sells widgets; Gadgets sells gadgets; Services maintains both for customers.

Segment results for the year ended December 31, 2021
(in millions) | Widgets | Gadgets | Services | Total
Net income | 100 | 50 | 30 | 180
"""
