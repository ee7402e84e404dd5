#!/usr/bin/env bash
# Убирает из pg_dump строки, которые меняются от запуска к запуску (\restrict-ключ) и от версии pg_dump.
exec sed -e '/^\\restrict /d' -e '/^\\unrestrict /d' -e '/^-- Dumped from database version/d' -e '/^-- Dumped by pg_dump version/d'
