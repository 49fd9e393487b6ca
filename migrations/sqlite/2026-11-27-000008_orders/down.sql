DROP TABLE declarations;
DROP TABLE wage_declaration_persons;
DROP TABLE wage_declarations;
