"""Plain data every layer shares (Plan, issue snapshots, durations, config schema, errors).
Imports nothing from the rest of the bot.
"""
