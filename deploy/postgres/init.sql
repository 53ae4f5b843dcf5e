-- One database per service: no service can read another's tables.
CREATE DATABASE intake;
CREATE DATABASE redactor;
CREATE DATABASE analytics;
CREATE DATABASE training;
CREATE DATABASE accounts;
