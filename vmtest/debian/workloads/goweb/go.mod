module portown.invalid/goweb

go 1.19
